# Documentation travels with the sources as it is (Markdown).
EXTRA_DIST += docs
