/* Wiping memory that held secrets or patient data, in a way the compiler cannot drop. */
#ifndef MEDKEEP_WIPE_H
#define MEDKEEP_WIPE_H
#include <stddef.h>
void wipe(void *p, size_t n);
#endif
