# The TPM-like demo device over libvnvram (run by ./quickstart demo through
# examples/demo.sh).
noinst_PROGRAMS += examples/tpm-device
examples_tpm_device_SOURCES = \
	examples/tpm-device.c \
	examples/tpm-state.c \
	examples/tpm-state.h
examples_tpm_device_CFLAGS = $(AM_CFLAGS) $(GLIB_CFLAGS)
examples_tpm_device_LDADD = libvnvram.la libqvisit.la $(GLIB_LIBS)
EXTRA_DIST += examples/demo.sh
