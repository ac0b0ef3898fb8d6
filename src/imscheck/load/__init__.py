"""Reading an IMS: YAML with its locations, the schema, the merged model and its cross-references."""
