# BER/CER/DER: codec golden bytes, visitor behaviour, hostile input,
# libtasn1 cross-checks, and the BER entries of the serialization suite.
tests_test_visitor_serialization_SOURCES += tests/serialization-ber.c
tests_test_visitor_serialization_CFLAGS += -DHAVE_SERIALIZATION_BER_OPS

check_PROGRAMS += tests/test-ber-codec
TESTS += tests/test-ber-codec
tests_test_ber_codec_CFLAGS = $(TESTS_CFLAGS)
tests_test_ber_codec_LDADD = $(TESTS_LIBS) -lm

check_PROGRAMS += tests/test-ber-visitors
TESTS += tests/test-ber-visitors
tests_test_ber_visitors_SOURCES = tests/test-ber-visitors.c \
	tests/ber-test-util.h tests/test-qapi-types.c tests/test-qapi-types.h
tests_test_ber_visitors_CFLAGS = $(TESTS_CFLAGS)
tests_test_ber_visitors_LDADD = $(TESTS_LIBS) -lm

check_PROGRAMS += tests/test-ber-hostile
TESTS += tests/test-ber-hostile
tests_test_ber_hostile_SOURCES = tests/test-ber-hostile.c \
	tests/test-qapi-types.c tests/test-qapi-types.h
tests_test_ber_hostile_CFLAGS = $(TESTS_CFLAGS)
tests_test_ber_hostile_LDADD = $(TESTS_LIBS)

check_PROGRAMS += tests/test-ber-tasn1
TESTS += tests/test-ber-tasn1
tests_test_ber_tasn1_SOURCES = tests/test-ber-tasn1.c \
	tests/ber-test-util.h tests/test-qapi-types.c tests/test-qapi-types.h
tests_test_ber_tasn1_CFLAGS = $(TESTS_CFLAGS) $(TASN1_CFLAGS)
tests_test_ber_tasn1_LDADD = $(TESTS_LIBS) $(TASN1_LIBS)
EXTRA_DIST += tests/test-ber-tasn1.asn

# pyasn1's DER and CER encoders against ours (tests/ber-samples prints ours)
check_PROGRAMS += tests/ber-samples
tests_ber_samples_CFLAGS = $(TESTS_CFLAGS)
tests_ber_samples_LDADD = $(TESTS_LIBS)
TESTS += tests/test-ber-pyasn1.sh
EXTRA_DIST += tests/test-ber-pyasn1.sh tests/ber-pyasn1.py
