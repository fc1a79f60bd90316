"""mensenhandel-kg: the letter on human trafficking policy as linked data, and its server."""
