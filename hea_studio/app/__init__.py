"""The main window, menus, settings and the --self-test driver."""
