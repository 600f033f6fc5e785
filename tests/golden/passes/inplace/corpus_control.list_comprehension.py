--- 10 reverse
+++ 11 inplace
@@ -47,3 +47,3 @@
         w_2 = stack.pop()
-        dws = dws + unindex(dws_item_index, ws, item_index)
+        dws = add_at(dws, item_index, dws_item_index, ws)
     return (out, dws)
