--- 10 reverse
+++ 11 inplace
@@ -33,3 +33,3 @@
         tanh_W_at_row = stack.pop()
-        dW = dW + matmul_dx(dW_at_row, W, row)
+        dW += matmul_dx(dW_at_row, W, row)
         # line +2: for row in X:
