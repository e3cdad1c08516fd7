/* Included first in every kernel C file (see CMakeLists.txt).  The kernel is one
 * static image: with every declaration hidden, -fpie code reaches functions and
 * data RIP-relatively instead of through a GOT. */
#pragma GCC visibility push(hidden)
