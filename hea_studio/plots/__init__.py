"""hea_studio.plots package: pyqtgraph plots of the results.

Importing it replaces pyqtgraph's SVG exporter (broken with Qt 6) by :mod:`.svg_export` in every
plot's right-click Export dialog.
"""

from hea_studio.plots.svg_export import install as _install_svg_exporter

_install_svg_exporter()
