#!/bin/sh
# host-type.sh: how this machine runs KVM guests, for benchmark headers:
# "KVM on PVM" (nested, software virtualization), "KVM" (hardware), or "no KVM".
# /proc/modules is not always readable (containers); /sys/module is.
if grep -qs '^kvm_pvm ' /proc/modules || [ -d /sys/module/kvm_pvm ]; then
	echo 'KVM on PVM'
elif [ -e /dev/kvm ]; then
	echo KVM
else
	echo 'no KVM'
fi
