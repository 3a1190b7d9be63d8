# Sourced by .ci/run and bench/run.sh: Java 21+ on PATH (the machine's default java may be 17;
# Temurin 25 sits beside it under /usr/lib/jvm).
if ! java -version 2>&1 | grep -qE 'version "(2[1-9]|[3-9][0-9])'; then
  for jdk in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-2*-jdk-amd64; do
    if [ -x "$jdk/bin/java" ]; then export JAVA_HOME="$jdk" PATH="$jdk/bin:$PATH"; break; fi
  done
fi
