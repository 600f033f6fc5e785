--- 3 lower
+++ 4 desugar
@@ -1,3 +1,2 @@
 def logistic_loss(w, X, y):
-    """Mean cross-entropy of logistic regression."""  # line +1
     logits = X @ w  # line +2
