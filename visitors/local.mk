# Visitor implementations; sources are added to libqvisit.la.
