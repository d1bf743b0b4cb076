"""Run-time assets loaded with importlib.resources: the sample portrait, icons, styles.

Desktop-integration files (the .desktop entry, AppStream metainfo) live in the top-level
``resources/`` folder of the source tree, which packaging copies; what the running program
reads lives here so it is found the same way from a checkout, a wheel or a frozen bundle.
"""
