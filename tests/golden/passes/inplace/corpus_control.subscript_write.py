--- 10 reverse
+++ 11 inplace
@@ -32,4 +32,4 @@
     # line +4: y[2] = np.sin(x[0])
-    dsin_x_zero_2 = unbroadcast(dy[2], sin_x_zero_2)
-    dy = zero_at(dy, 2)
+    dsin_x_zero_2 = snapshot(unbroadcast(dy[2], sin_x_zero_2))
+    dy[2] = 0.0
     y[2] = y_old
@@ -38,4 +38,4 @@
     # line +3: y[1] = x[1] * x[2]
-    dx_one_times_x_two = unbroadcast(dy[1], x_one_times_x_two)
-    dy = zero_at(dy, 1)
+    dx_one_times_x_two = snapshot(unbroadcast(dy[1], x_one_times_x_two))
+    dy[1] = 0.0
     y[1] = y_old_2
@@ -43,10 +43,10 @@
     dx_two = unbroadcast(x_one * dx_one_times_x_two, x_two)
-    dx = dx + unindex(dx_two, x, 2)
-    dx = dx + unindex(dx_one, x, 1)
+    dx = add_at(dx, 2, dx_two, x)
+    dx = add_at(dx, 1, dx_one, x)
     # line +2: y[0] = x[0] * 2.0
-    dx_zero_times_two = unbroadcast(dy[0], x_zero_times_two)
-    dy = zero_at(dy, 0)
+    dx_zero_times_two = snapshot(unbroadcast(dy[0], x_zero_times_two))
+    dy[0] = 0.0
     y[0] = y_old_3
     dx_zero = dx_zero_times_two * 2.0
-    dx = dx + unindex(dx_zero, x, 0)
+    dx = add_at(dx, 0, dx_zero, x)
     return (out, dx)
