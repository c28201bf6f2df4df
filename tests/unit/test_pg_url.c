/* Which PostgreSQL addresses may carry patient data (src/store/sqlite/pg_url.c): local
 * sockets and loopback as they are, any other host only with TLS that checks the server. */
#include "store/sqlite/engine.h"
#include "test.h"

static bool safe(const char *url)
{
	const char *why = NULL;
	bool ok = pg_url_safe(url, &why);
	CHECK(ok == (why == NULL));
	return ok;
}

void test_pg_url(void)
{
	/* a socket, named or by default; loopback by name or address */
	CHECK(safe("postgresql:///medkeep?host=/run/postgresql"));
	CHECK(safe("postgresql:///medkeep"));
	CHECK(safe("host=/tmp/pg dbname=medkeep user=medkeep"));
	CHECK(safe("postgresql://localhost/medkeep"));
	CHECK(safe("postgresql://127.0.0.1:5432/medkeep"));
	CHECK(safe("postgresql://[::1]/medkeep"));
	/* another machine: only with verified TLS */
	CHECK(!safe("postgresql://db.example.nz/medkeep"));
	CHECK(!safe("postgresql://db.example.nz/medkeep?sslmode=require"));
	CHECK(!safe("postgresql://db.example.nz/medkeep?sslmode=prefer"));
	CHECK(safe("postgresql://db.example.nz/medkeep?sslmode=verify-full&sslrootcert=/etc/ca.pem"));
	CHECK(safe("host=10.0.0.5 dbname=medkeep sslmode=verify-ca"));
	CHECK(!safe("host=10.0.0.5 dbname=medkeep"));
	CHECK(!safe("postgresql:///medkeep?hostaddr=10.0.0.5"));
	/* a list is as safe as its least safe host */
	CHECK(!safe("postgresql://localhost,db.example.nz/medkeep"));
	CHECK(safe("host=/run/postgresql,127.0.0.1 dbname=medkeep"));
	/* not an address at all */
	CHECK(!safe("postgresql://[broken"));
}
