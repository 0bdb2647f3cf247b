#include <linux/module.h>
#define INCLUDE_VERMAGIC
#include <linux/build-salt.h>
#include <linux/elfnote-lto.h>
#include <linux/export-internal.h>
#include <linux/vermagic.h>
#include <linux/compiler.h>

BUILD_SALT;
BUILD_LTO_INFO;

MODULE_INFO(vermagic, VERMAGIC_STRING);
MODULE_INFO(name, KBUILD_MODNAME);

__visible struct module __this_module
__section(".gnu.linkonce.this_module") = {
	.name = KBUILD_MODNAME,
	.init = init_module,
#ifdef CONFIG_MODULE_UNLOAD
	.exit = cleanup_module,
#endif
	.arch = MODULE_ARCH_INIT,
};

#ifdef CONFIG_RETPOLINE
MODULE_INFO(retpoline, "Y");
#endif


static const struct modversion_info ____versions[]
__used __section("__versions") = {
	{ 0x7712771a, "unbind_from_irqhandler" },
	{ 0x88db9f48, "__check_object_size" },
	{ 0x29b4fcf, "_copy_to_iter" },
	{ 0x49cd25ed, "alloc_workqueue" },
	{ 0x91c14d8d, "param_ops_uint" },
	{ 0x13c49cc2, "_copy_from_user" },
	{ 0x8d522714, "__rcu_read_lock" },
	{ 0x77bc13a0, "strim" },
	{ 0xc5b6f236, "queue_work_on" },
	{ 0x3362b03c, "xen_p2m_size" },
	{ 0x92540fbf, "finish_wait" },
	{ 0x1c3b458d, "xenbus_dev_fatal" },
	{ 0x51a511eb, "_raw_write_lock_bh" },
	{ 0x731dba7a, "xen_domain_type" },
	{ 0x62737e1d, "sock_unregister" },
	{ 0xecd8f23d, "xenbus_read" },
	{ 0x37a0cba, "kfree" },
	{ 0xdef3fb11, "seq_lseek" },
	{ 0x6aa2a877, "xenbus_printf" },
	{ 0xe7ab1ecc, "_raw_write_unlock_bh" },
	{ 0x8c26d495, "prepare_to_wait_event" },
	{ 0x50559d97, "xenbus_switch_state" },
	{ 0xe2964344, "__wake_up" },
	{ 0x4302d0eb, "free_pages" },
	{ 0x34db050b, "_raw_spin_lock_irqsave" },
	{ 0xba8fbd64, "_raw_spin_lock" },
	{ 0xbdfb6dbb, "__fentry__" },
	{ 0x65487097, "__x86_indirect_thunk_rax" },
	{ 0x92997ed8, "_printk" },
	{ 0x8427cc7b, "_raw_spin_lock_irq" },
	{ 0xe73b795b, "proto_unregister" },
	{ 0x1d24c881, "___ratelimit" },
	{ 0x8ddd8aad, "schedule_timeout" },
	{ 0x4c5c664, "sock_register" },
	{ 0xa19b956, "__stack_chk_fail" },
	{ 0x296695f, "refcount_warn_saturate" },
	{ 0xb2fd5ceb, "__put_user_4" },
	{ 0xbb462483, "_dev_info" },
	{ 0xf669eb91, "proto_register" },
	{ 0xd70f58c4, "xenbus_alloc_evtchn" },
	{ 0x7cd8d75e, "page_offset_base" },
	{ 0x9114b616, "__xa_alloc" },
	{ 0xfe487975, "init_wait_entry" },
	{ 0x7a945ae2, "_dev_err" },
	{ 0xb2df4a35, "__xenbus_register_frontend" },
	{ 0x2469810f, "__rcu_read_unlock" },
	{ 0x65feaec3, "sk_free" },
	{ 0x8c03d20c, "destroy_workqueue" },
	{ 0x732852fe, "xenbus_transaction_end" },
	{ 0x4dfa8d4b, "mutex_lock" },
	{ 0xedd0b017, "debugfs_remove" },
	{ 0x4b750f53, "_raw_spin_unlock_irq" },
	{ 0x2b858ed2, "xenbus_unregister_driver" },
	{ 0x4c9d28b0, "phys_base" },
	{ 0xbdee3a2c, "xenbus_free_evtchn" },
	{ 0x645c2937, "lock_sock_nested" },
	{ 0xcefb0c9f, "__mutex_init" },
	{ 0x89940875, "mutex_lock_interruptible" },
	{ 0x68fb37ae, "current_task" },
	{ 0xd35cce70, "_raw_spin_unlock_irqrestore" },
	{ 0xf0bb2820, "sk_alloc" },
	{ 0x5fc72f0e, "alloc_pages_exact" },
	{ 0xf43eb627, "sock_no_socketpair" },
	{ 0x34eab46d, "bind_evtchn_to_irqhandler" },
	{ 0x5b8239ca, "__x86_return_thunk" },
	{ 0x6b10bee1, "_copy_to_user" },
	{ 0xe0d61825, "sock_no_mmap" },
	{ 0x93d1d424, "gnttab_free_grant_references" },
	{ 0x62f7f962, "sock_no_sendpage" },
	{ 0x86623fd7, "notify_remote_via_irq" },
	{ 0x2d39b0a7, "kstrdup" },
	{ 0x745a981, "xa_erase" },
	{ 0x4fc155c2, "__SCT__xen_hypercall" },
	{ 0xf27d0a7b, "gnttab_grant_foreign_access_ref" },
	{ 0x1db3ba77, "seq_read" },
	{ 0x3a7d80f9, "xen_max_p2m_pfn" },
	{ 0x59edad5e, "debugfs_create_file" },
	{ 0x85df9b6c, "strsep" },
	{ 0x3213f038, "mutex_unlock" },
	{ 0x6502d9c2, "xenbus_scanf" },
	{ 0x52431348, "xenbus_transaction_start" },
	{ 0x8fa25c24, "xa_find" },
	{ 0x6729d3df, "__get_user_4" },
	{ 0x2cf56265, "__dynamic_pr_debug" },
	{ 0x9b651e51, "xenbus_teardown_ring" },
	{ 0x3c12dfe, "cancel_work_sync" },
	{ 0xf0949581, "seq_printf" },
	{ 0x31dca4d8, "gnttab_claim_grant_reference" },
	{ 0x2ed6b7ec, "_copy_from_iter" },
	{ 0xeb44339a, "free_pages_exact" },
	{ 0xd27f215d, "gnttab_alloc_grant_references" },
	{ 0x4b931968, "xen_features" },
	{ 0x981d8aae, "sock_no_ioctl" },
	{ 0xc7c7a019, "single_release" },
	{ 0xfe727411, "get_phys_to_machine" },
	{ 0x28f68fed, "send_sig" },
	{ 0xd3ea6452, "xenbus_setup_ring" },
	{ 0xdf36914b, "xa_find_after" },
	{ 0x606e9d01, "kmalloc_trace" },
	{ 0x69e0fbdc, "param_ops_int" },
	{ 0xa80d4223, "xenbus_frontend_closed" },
	{ 0x7be4e7dc, "gnttab_end_foreign_access" },
	{ 0xc941a41a, "single_open" },
	{ 0xf4316fcd, "debugfs_create_dir" },
	{ 0xb5b54b34, "_raw_spin_unlock" },
	{ 0xf09b5d9a, "get_zeroed_page" },
	{ 0x203e3a8a, "sock_init_data" },
	{ 0xe2c17b5d, "__SCT__might_resched" },
	{ 0x7a7caba8, "kmalloc_caches" },
	{ 0xadcc25da, "release_sock" },
	{ 0x2f2c95c4, "flush_work" },
	{ 0x25f02c87, "xen_p2m_addr" },
	{ 0x9060323f, "module_layout" },
};

MODULE_INFO(depends, "");

