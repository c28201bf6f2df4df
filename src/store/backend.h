/*
 * The store's back-end interface: a table of function pointers, one per store_* function
 * (src/store/store_list.h), that a back-end fills and store_open chooses at startup. Callers
 * never see it: they call the store_* functions declared in the headers of src/store, which
 * src/store/store.c defines as calls through the chosen table. Only src/store/ includes this header.
 *
 * A second back-end (src/store/pgsql/, a later issue) defines `const struct store_backend
 * store_pgsql` beside store_sqlite, implements every function of the list with the contracts
 * of the public headers (grants checked against each row's own patient, the same return
 * codes), and is added to the choice in store.c. Nothing above src/store changes.
 * Anchor: OpenSMTPD usr.sbin/smtpd/queue_backend.c with queue_fs.c and queue_ram.c.
 */
#ifndef MEDKEEP_STORE_BACKEND_H
#define MEDKEEP_STORE_BACKEND_H
#include "store/store.h"
#include "store/accesslog.h"
#include "store/breaker.h"
#include "store/account.h"
#include "store/appointments.h"
#include "store/apps.h"
#include "store/contact.h"
#include "store/devices.h"
#include "store/feeds.h"
#include "store/home.h"
#include "store/ingest.h"
#include "store/imports.h"
#include "store/locks.h"
#include "store/medications.h"
#include "store/messages.h"
#include "store/notify.h"
#include "store/passkey.h"
#include "store/practice.h"
#include "store/proxy.h"
#include "store/details.h"
#include "store/recalls.h"
#include "store/summary.h"
#include "store/results.h"
#include "store/systems.h"
#include "store/transfers.h"

struct store_backend {
	const char *name; /* as a configuration would name it: "sqlite" */
#define STORE_FN(ret, name, params, args) ret(*name) params;
#define STORE_OPEN(ret, name, params, args) ret(*name) params;
#define STORE_VOID(name, params, args) void(*name) params;
#include "store/store_list.h"
#undef STORE_FN
#undef STORE_OPEN
#undef STORE_VOID
};

/* The back-ends (each in its own directory). */
extern const struct store_backend store_sqlite;

#endif
