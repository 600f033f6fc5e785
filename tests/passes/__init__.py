"""One test module per pass: golden output on a dozen corpus functions, contracts on the whole corpus."""
