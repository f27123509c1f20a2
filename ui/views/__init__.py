"""Server-rendered pages. Views validate input, call selectors and casework/flows services,
and turn refusals into messages; they never write a model themselves."""
