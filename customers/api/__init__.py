"""The REST API of the customers app: customers, sales with lines and delivery, complaints."""
