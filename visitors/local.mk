# Visitor implementations; sources are added to libqvisit.la.

# JSON
libqvisit_la_SOURCES += \
	visitors/json-output-visitor.c \
	visitors/json-input-visitor.c
visitorsinclude_HEADERS += \
	visitors/json-output-visitor.h \
	visitors/json-input-visitor.h

# BER
libqvisit_la_SOURCES += \
	visitors/ber-codec.c \
	visitors/ber-output-visitor.c \
	visitors/ber-input-visitor.c
visitorsinclude_HEADERS += \
	visitors/ber-codec.h \
	visitors/ber-visitor.h

# ber-inspect: the iterative BER/CER/DER walker and checker behind ber-dump
libqvisit_la_SOURCES += visitors/ber-inspect.c
visitorsinclude_HEADERS += visitors/ber-inspect.h
