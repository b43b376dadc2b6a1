#ifndef SESMAIL_STS_H
#define SESMAIL_STS_H
#endif
