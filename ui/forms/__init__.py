"""Forms of the web pages. They validate input only; the actions layer's services decide."""
