"""Helpers shared by the test folders: the program harness, the MariaDB server, the TVM world, local gateways."""
