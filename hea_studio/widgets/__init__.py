"""Qt widgets bound to the session state: panels, projections, plot docks."""
