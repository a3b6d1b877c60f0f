"""Figures, one module per figure family. Every map credits OpenStreetMap contributors."""
