/* The parameters of the example filters, shared by the filters in apps/filters and
 * the programs that install them.
 *
 * A filter is compiled once, with placeholders where its parameters go; the installer
 * replaces each placeholder in the instructions' immediates with the value it wants
 * (bpf_obj_patch, lib/bpf_obj.h) before handing the filter to the kernel. A value is
 * written as the filter loads the field: the packet's bytes read as a little-endian
 * integer, i.e. the network-order value as it sits in memory (an in_addr's s_addr, a
 * port after htons). Placeholders have their top bit clear, so that clang keeps them
 * as 32-bit immediates, and are unlikely elsewhere in a filter. */
#ifndef FILTER_PARAMS_H
#define FILTER_PARAMS_H

#define FILTER_PARAM_IP     0x3a5e1f01 /* IPv4 address, 4 bytes */
#define FILTER_PARAM_MAC_LO 0x3a5e1f02 /* MAC bytes 0-3 */
#define FILTER_PARAM_MAC_HI 0x3a5f     /* MAC bytes 4-5 */
#define FILTER_PARAM_PORT   0x3a5d     /* UDP port, 2 bytes */

#endif
