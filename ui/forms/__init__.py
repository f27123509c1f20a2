"""Forms of the web pages. They validate input only; the casework services decide."""
