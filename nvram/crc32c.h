/*
 * nvram/crc32c.h: CRC-32C (Castagnoli), the check value of NVRAM copies.
 *
 * Polynomial 0x1EDC6F41 (reflected 0x82F63B78), initial value and final
 * XOR 0xFFFFFFFF, as used by iSCSI, ext4 and btrfs. The check value of the
 * ASCII string "123456789" is 0xE3069283.
 */
#ifndef NVRAM_CRC32C_H
#define NVRAM_CRC32C_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Continue a CRC-32C over @len bytes at @data. Start with @crc = 0 and pass
 * the previous result to extend the checksum over several buffers:
 * nvram_crc32c(nvram_crc32c(0, a, n), b, m) == CRC-32C of a||b.
 * @data may be NULL when @len is 0. Never fails; thread-safe.
 * Uses the CPU's CRC-32C instruction when it has one (see
 * nvram_crc32c_hardware_available()), the portable tables otherwise.
 */
uint32_t nvram_crc32c(uint32_t crc, const void *data, size_t len);

/*
 * The same checksum as nvram_crc32c(), always computed with the portable
 * table code (slicing-by-8). Exposed so that tests can check both paths
 * give identical results. Never fails; thread-safe.
 */
uint32_t nvram_crc32c_software(uint32_t crc, const void *data, size_t len);

/*
 * The same checksum as nvram_crc32c(), computed with the CPU's CRC-32C
 * instruction (x86-64 SSE4.2 crc32) when nvram_crc32c_hardware_available(),
 * with the portable tables otherwise. Never fails; thread-safe.
 */
uint32_t nvram_crc32c_hardware(uint32_t crc, const void *data, size_t len);

/*
 * Returns true when this CPU and build can compute CRC-32C with a
 * dedicated instruction (detected once, at run time). Thread-safe.
 */
bool nvram_crc32c_hardware_available(void);

#ifdef __cplusplus
}
#endif

#endif /* NVRAM_CRC32C_H */
