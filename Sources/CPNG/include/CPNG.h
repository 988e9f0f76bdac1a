#ifndef GANKIT_CPNG_H
#define GANKIT_CPNG_H
#endif
