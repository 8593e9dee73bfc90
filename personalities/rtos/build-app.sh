#!/bin/sh
# Build an RTOS application: the personality's kernel and port and every .c file of APP_DIR, compiled
# against APP_DIR's FreeRTOSConfig.h, linked with libos and Newlib; then its program (app.elf.lz4) and
# a system image (rtos.dtb: the console server and the application) in OUT_DIR, copied to DTB if given.
# RTOS_EXTRA_CFLAGS adds compiler flags (the tests build with -Werror); RTOS_MANIFEST names another
# manifest to compile (default rtos.dts here) and RTOS_DTC_INCLUDES more folders for its /incbin/s.
# Usage: build-app.sh ENV_FILE APP_DIR OUT_DIR [DTB]
set -eu
[ $# -ge 3 ] || { echo "usage: build-app.sh ENV_FILE APP_DIR OUT_DIR [DTB]" >&2; exit 2; }
env_file=$1 app=$2 out=$3 dtb=${4:-} extra=${RTOS_EXTRA_CFLAGS:-}
here=$(cd "$(dirname "$0")" && pwd)
. "$env_file"
[ -f "$app/FreeRTOSConfig.h" ] || { echo "rtos: $app has no FreeRTOSConfig.h" >&2; exit 1; }
set -- "$app"/*.c
[ -f "$1" ] || { echo "rtos: $app has no .c files" >&2; exit 1; }
mkdir -p "$out/obj"
objs=""
n=0
for src in "$here"/kernel/*.c "$here"/port/*.c "$app"/*.c; do
    n=$((n + 1))
    obj="$out/obj/$n-$(basename "$src" .c).o"
    # shellcheck disable=SC2086
    $CC $CFLAGS $extra -I"$app" -I"$here/include" -c "$src" -o "$obj"
    objs="$objs $obj"
done
wraps="-Wl,--wrap=printf,--wrap=vprintf,--wrap=fprintf,--wrap=vfprintf,--wrap=puts,--wrap=putchar"
wraps="$wraps,--wrap=fputs,--wrap=fputc,--wrap=fflush,--wrap=fwrite"
wraps="$wraps,--wrap=malloc,--wrap=free,--wrap=calloc,--wrap=realloc"
# shellcheck disable=SC2086
$CC $LDFLAGS $wraps -o "$out/app.elf" $objs -Wl,--start-group $LIBS -Wl,--end-group
lz4 -q -f -9 --content-size -B4 "$out/app.elf" "$out/app.elf.lz4"
incs="-i $CONSOLE_DIR -i $out"
for d in ${RTOS_DTC_INCLUDES:-}; do incs="$incs -i $d"; done
# shellcheck disable=SC2086
dtc -q -I dts -O dtb $incs -o "$out/rtos.dtb" "${RTOS_MANIFEST:-$here/rtos.dts}"
[ -z "$dtb" ] || cp "$out/rtos.dtb" "$dtb"
