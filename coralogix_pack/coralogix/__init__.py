"""Facts about Coralogix's alerts API: paths and limits, the body schema, vocabulary, the owned
alert definition, ownership labels."""
