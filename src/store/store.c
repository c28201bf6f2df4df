/*
 * The store's front: each store_* function declared in the headers of src/store, defined once
 * from the list in store_list.h as a call through the back-end that store_open chose
 * (backend.h). Before any store_open (a `medkeep backup` copying files) the default back-end
 * answers.
 */
#include "store/backend.h"

/* The back-ends this binary has, the default first. */
static const struct store_backend *const backends[] = {
	&store_sqlite,
};

static const struct store_backend *backend = &store_sqlite;

/* The back-end for a data directory: SQLite, the only one yet. When PostgreSQL comes, the
 * configuration names it here, before anything is opened. */
static const struct store_backend *backend_choose(const char *dir)
{
	(void)dir;
	return backends[0];
}

enum err store_open(const char *dir, bool create)
{
	backend = backend_choose(dir);
	return backend->store_open(dir, create);
}

enum err store_open_audit(const char *dir)
{
	backend = backend_choose(dir);
	return backend->store_open_audit(dir);
}

#define STORE_FN(ret, name, params, args) \
	ret name params \
	{ \
		return backend->name args; \
	}
#define STORE_VOID(name, params, args) \
	void name params \
	{ \
		backend->name args; \
	}
#define STORE_OPEN(ret, name, params, args) /* above */
#include "store/store_list.h"
#undef STORE_FN
#undef STORE_VOID
#undef STORE_OPEN
