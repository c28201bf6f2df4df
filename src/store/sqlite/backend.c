/* The SQLite back-end's table (src/store/backend.h): each function of the store interface is
 * sq_<name> here, defined in the part's file (store_<part>.c). */
#include "store/backend.h"
#include "store/sqlite/store_int.h"

const struct store_backend store_sqlite = {
	.name = "sqlite",
#define STORE_FN(ret, name, params, args) .name = sq_##name,
#define STORE_OPEN(ret, name, params, args) .name = sq_##name,
#define STORE_VOID(name, params, args) .name = sq_##name,
#include "store/store_list.h"
#undef STORE_FN
#undef STORE_OPEN
#undef STORE_VOID
};
