"""GraphQL machinery: the executor, cost analysis, limits, error masking and schema evolution."""
