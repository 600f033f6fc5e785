--- 3 lower
+++ 4 desugar
@@ -3,3 +3,3 @@
     a = np.sin(a) * b + a * a  # line +2
-    a += b  # line +3
+    a = a + b  # line +3
     return np.sum(a ** 2)  # line +4
