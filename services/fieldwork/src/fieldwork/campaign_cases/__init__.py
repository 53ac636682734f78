"""Field work: the campaign cases of serial items, from campaigns' case events; an order
shows the open ones of its items and its completion names those ticked done."""
