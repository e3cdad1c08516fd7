# Sourced by the integration scripts that boot a VM: exits 77 (skip) with one line
# when the VM named by $1 (exosim or qemu) cannot run here, 2 for an unknown name.
vm_available() {
	case "$1" in
	qemu)
		command -v qemu-system-x86_64 >/dev/null || {
			echo "SKIP: qemu-system-x86_64 is not installed"
			exit 77
		}
		;;
	exosim)
		if [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
			echo "SKIP: /dev/kvm is not accessible; exosim needs KVM"
			exit 77
		fi
		;;
	*)
		echo "$(basename "$0"): unknown VM $1"
		exit 2
		;;
	esac
}
