"""Catalog: the installed base (products, serial-number items) and the customer register."""
