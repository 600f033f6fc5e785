--- 2 fence
+++ 3 lower
@@ -1,3 +1,6 @@
 def break_in_loop(x):
+    returned = False  # line +0
+    result = None  # line +0
     s = 0.0  # line +1
+    break_flag = False  # line +2
     for i in range(20):  # line +2
@@ -5,3 +8,7 @@
         if s > 5.0:  # line +4
-            break  # line +5
-    return s * x  # line +6
+            break_flag = True  # line +5
+        if break_flag:  # line +2
+            break  # line +2
+    result = s * x  # line +6
+    returned = True  # line +6
+    return result  # line +6
