"""Peers, costs, DEA: learning from comparable municipalities."""
