#!/bin/busybox sh
echo "script: $0 $1 $2"
exit 6
