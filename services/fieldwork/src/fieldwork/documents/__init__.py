"""Documents to customers and internal e-mails (issue 16 item 4, seed 004): the protocol
and work order PDFs, the automatic protocol mail, the work order offered at ready for
invoicing, free-text messages, internal e-mails and the planner's note of a booking outside
working hours; each in the order's sent log."""
