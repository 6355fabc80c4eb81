"""What pages and exports show, as pure functions: labels and formats, the overview's headlines,
the figures, and the words for what is loaded."""
