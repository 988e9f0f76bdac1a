#ifndef GANKIT_CJPEG_H
#define GANKIT_CJPEG_H
#endif
