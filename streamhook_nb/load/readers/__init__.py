"""One module per capture format; each turns a source into :class:`DeliveryBatch` chunks."""
