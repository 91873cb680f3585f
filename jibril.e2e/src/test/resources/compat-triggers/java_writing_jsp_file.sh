#!/bin/bash
# expects: java_writing_jsp_file
# Writes a JSP page into a scratch web application directory (webapps/ROOT/jibril-test.jsp) with a renamed copy of
# tee(1).
# Note: the recipe's group (how: OR, which: irrelevant) holds pertinent items on exe: ends with java, javaw, tomcat,
# catalina, jboss, wildfly or jetty. As our engine evaluates it (docs/RECIPES.md) the recipe fires when the writer
# is NOT one of those, as here; the Splunk analytic it comes from means the opposite: fire when a Java application
# server writes a .jsp (a web shell), which this recipe lets through.
set -euo pipefail
: "${SCRATCH:?SCRATCH must name an empty scratch directory}"
cp "$(type -P tee)" "$SCRATCH/jt-write"
mkdir -p "$SCRATCH/webapps/ROOT"
printf '<%%= "jibril-test" %%>\n' | "$SCRATCH/jt-write" "$SCRATCH/webapps/ROOT/jibril-test.jsp" > /dev/null
