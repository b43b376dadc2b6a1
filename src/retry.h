#ifndef SESMAIL_RETRY_H
#define SESMAIL_RETRY_H
#endif
