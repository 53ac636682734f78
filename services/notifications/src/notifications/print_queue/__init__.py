"""The print queue: reports for customers whose way is letter, per print tag, until the
office prints them."""
