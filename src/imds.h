#ifndef SESMAIL_IMDS_H
#define SESMAIL_IMDS_H
#endif
