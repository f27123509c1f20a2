"""Server-rendered pages. Views validate input, call selectors and the actions layer's services,
and turn refusals into messages; they never write a model themselves."""
