#ifndef SESMAIL_SPOOL_H
#define SESMAIL_SPOOL_H
#endif
