"""What the product knows: requirement catalogues, correlations, and the rule language and its compiler."""
