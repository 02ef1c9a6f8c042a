<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>AuditLogModel</name>
    <message>
        <source>system</source>
        <translation>系统</translation>
    </message>
    <message>
        <source>When (UTC)</source>
        <translation>时间（UTC）</translation>
    </message>
    <message>
        <source>Who</source>
        <translation>操作人</translation>
    </message>
    <message>
        <source>What</source>
        <translation>事项</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>详情</translation>
    </message>
    <message>
        <source>signed in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>customer reassigned</source>
        <translation>客户已重新分配</translation>
    </message>
    <message>
        <source>book handed over</source>
        <translation>客户已交接</translation>
    </message>
    <message>
        <source>account closed</source>
        <translation>账号已关闭</translation>
    </message>
    <message>
        <source>account frozen</source>
        <translation>账号已冻结</translation>
    </message>
    <message>
        <source>exported</source>
        <translation>已导出</translation>
    </message>
    <message>
        <source>export refused</source>
        <translation>导出被拒绝</translation>
    </message>
    <message>
        <source>printed</source>
        <translation>已打印</translation>
    </message>
</context>
<context>
    <name>AuditView</name>
    <message>
        <source>anyone</source>
        <translation>任何人</translation>
    </message>
    <message>
        <source>No customer matches that name on this computer.</source>
        <translation>此电脑上没有与该名称匹配的客户。</translation>
    </message>
    <message>
        <source>all customers</source>
        <translation>所有客户</translation>
    </message>
    <message>
        <source>The period ends before it starts.</source>
        <translation>结束时间早于开始时间。</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>Showing the newest {0} entries: narrow the filter to see older ones.</source>
        <translation>仅显示最新的 {0} 条记录：缩小筛选范围可查看更早的记录。</translation>
    </message>
    <message>
        <source>{0} entries</source>
        <translation>{0} 条记录</translation>
    </message>
    <message>
        <source>Audit log</source>
        <translation>审计日志</translation>
    </message>
    <message>
        <source>All customers</source>
        <translation>所有客户</translation>
    </message>
    <message>
        <source>Find a customer…</source>
        <translation>查找客户…</translation>
    </message>
    <message>
        <source>From</source>
        <translation>从</translation>
    </message>
    <message>
        <source>To</source>
        <translation>至</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>显示</translation>
    </message>
    <message>
        <source>Ownership history</source>
        <translation>归属变更历史</translation>
    </message>
</context>
<context>
    <name>ConflictsModel</name>
    <message>
        <source>Record</source>
        <translation>记录</translation>
    </message>
    <message>
        <source>Field</source>
        <translation>字段</translation>
    </message>
    <message>
        <source>Kept value</source>
        <translation>保留的值</translation>
    </message>
    <message>
        <source>Your value (lost)</source>
        <translation>您的值（被覆盖）</translation>
    </message>
    <message>
        <source>Changed by</source>
        <translation>修改人</translation>
    </message>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
</context>
<context>
    <name>CustomerFileView</name>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>职务</translation>
    </message>
    <message>
        <source>Mobile</source>
        <translation>手机</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>电子邮件</translation>
    </message>
    <message>
        <source>Deal</source>
        <translation>销售机会</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>生命周期</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>Expected close</source>
        <translation>预计成交</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Follow-up</source>
        <translation>待办</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>到期</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>This customer could not be opened: %1</source>
        <translation>无法打开此客户：%1</translation>
    </message>
    <message>
        <source>(archived)</source>
        <translation>（已归档）</translation>
    </message>
    <message>
        <source>nobody</source>
        <translation>无人</translation>
    </message>
    <message>
        <source>Owner: %1</source>
        <translation>客户经理：%1</translation>
    </message>
    <message>
        <source>Timeline (%1)</source>
        <translation>跟踪记录（%1）</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>正在保存…</translation>
    </message>
    <message>
        <source>Saved. It will reach the server with the next sync.</source>
        <translation>已保存。将在下次同步时发送到服务器。</translation>
    </message>
    <message>
        <source>Not saved: please correct the marked fields.</source>
        <translation>未保存：请更正标出的字段。</translation>
    </message>
    <message>
        <source>Not saved: %1</source>
        <translation>未保存：%1</translation>
    </message>
    <message>
        <source>Log activity…</source>
        <translation>记录活动…</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Revert</source>
        <translation>撤销修改</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Website</source>
        <translation>网站</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Industry</source>
        <translation>行业</translation>
    </message>
    <message>
        <source>Tier</source>
        <translation>客户等级</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>价值标签</translation>
    </message>
    <message>
        <source>Tags (comma separated)</source>
        <translation>标签（用逗号分隔）</translation>
    </message>
    <message>
        <source>Timeline</source>
        <translation>跟踪记录</translation>
    </message>
    <message>
        <source>Contacts</source>
        <translation>联系人</translation>
    </message>
    <message>
        <source>Opportunities</source>
        <translation>销售机会</translation>
    </message>
    <message>
        <source>Follow-ups</source>
        <translation>待办</translation>
    </message>
</context>
<context>
    <name>CustomerListModel</name>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Industry</source>
        <translation>行业</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>客户经理</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>阶段</translation>
    </message>
    <message>
        <source>Tier</source>
        <translation>客户等级</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>Last contact</source>
        <translation>最近联系</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>正在加载…</translation>
    </message>
    <message>
        <source>The customer list could not be read: %1</source>
        <translation>无法读取客户列表：%1</translation>
    </message>
</context>
<context>
    <name>CustomerListView</name>
    <message>
        <source>All owners</source>
        <translation>所有客户经理</translation>
    </message>
    <message>
        <source>All teams</source>
        <translation>所有团队</translation>
    </message>
    <message>
        <source>All stages</source>
        <translation>所有阶段</translation>
    </message>
    <message>
        <source>All tiers</source>
        <translation>所有等级</translation>
    </message>
    <message>
        <source>All industries</source>
        <translation>所有行业</translation>
    </message>
    <message>
        <source>(no saved view)</source>
        <translation>（无已保存视图）</translation>
    </message>
    <message numerus="yes">
        <source>%n customer(s)</source>
        <translation>
            <numerusform>%n 个客户</numerusform>
        </translation>
    </message>
    <message>
        <source>Save view</source>
        <translation>保存视图</translation>
    </message>
    <message>
        <source>Name of this view:</source>
        <translation>视图名称：</translation>
    </message>
    <message>
        <source>Tag</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>Clear filters</source>
        <translation>清除筛选</translation>
    </message>
    <message>
        <source>View:</source>
        <translation>视图：</translation>
    </message>
    <message>
        <source>Save view…</source>
        <translation>保存视图…</translation>
    </message>
    <message>
        <source>Delete view</source>
        <translation>删除视图</translation>
    </message>
</context>
<context>
    <name>DesktopApp</name>
    <message>
        <source>Could not start: %1</source>
        <translation>无法启动：%1</translation>
    </message>
    <message>
        <source>Fieldbook</source>
        <translation>Fieldbook</translation>
    </message>
</context>
<context>
    <name>ForecastChartWidget</name>
    <message>
        <source>Also forecast in: %1</source>
        <translation>其他币种预测：%1</translation>
    </message>
    <message>
        <source>Weighted forecast by month</source>
        <translation>按月加权预测</translation>
    </message>
    <message>
        <source>No open deals</source>
        <translation>没有进行中的销售机会</translation>
    </message>
    <message>
        <source>No date</source>
        <translation>无日期</translation>
    </message>
</context>
<context>
    <name>HandoverPlanModel</name>
    <message>
        <source>— stays with the leaver</source>
        <translation>— 保留在离职人员名下</translation>
    </message>
    <message>
        <source>Not handed over: pick a successor</source>
        <translation>未交接：请选择接替人</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <source>Tier</source>
        <translation>客户等级</translation>
    </message>
    <message>
        <source>Team</source>
        <translation>团队</translation>
    </message>
    <message>
        <source>Successor</source>
        <translation>接替人</translation>
    </message>
</context>
<context>
    <name>HandoverView</name>
    <message>
        <source>frozen</source>
        <translation>已冻结</translation>
    </message>
    <message>
        <source>closed</source>
        <translation>已关闭</translation>
    </message>
    <message>
        <source>any tier</source>
        <translation>任意等级</translation>
    </message>
    <message>
        <source>any team</source>
        <translation>任意团队</translation>
    </message>
    <message>
        <source>The successor must be someone other than the leaver.</source>
        <translation>接替人必须是离职人员以外的人。</translation>
    </message>
    <message>
        <source>The leaver holds {0} customers, {1} open opportunities, {2} open follow-ups.</source>
        <translation>离职人员名下有 {0} 个客户、{1} 个进行中的销售机会、{2} 项未完成的待办。</translation>
    </message>
    <message>
        <source>Their laptops still hold {0} unsent changes (at their last sync); these reach the successor when a laptop drains.</source>
        <translation>其电脑上仍有 {0} 条未发送的修改（截至上次同步）；电脑交回数据时，这些修改会转给接手人。</translation>
    </message>
    <message>
        <source>{0} customers go to {1}.</source>
        <translation>{0} 个客户交接给 {1}。</translation>
    </message>
    <message>
        <source>{0} customers stay with the leaver.</source>
        <translation>{0} 个客户保留在离职人员名下。</translation>
    </message>
    <message>
        <source>Give every customer a successor before closing the account: {0} would have no owner who can work them.</source>
        <translation>关闭账号前请为每个客户指定接替人：否则 {0} 个客户将无人跟进。</translation>
    </message>
    <message>
        <source>{0}: {1} customers, {2} open opportunities, {3} open follow-ups moved.</source>
        <translation>{0}：已转移 {1} 个客户、{2} 个进行中的销售机会、{3} 项未完成的待办。</translation>
    </message>
    <message>
        <source>The account is closed: its laptop uploads what it still holds, then deletes its copy.</source>
        <translation>账号已关闭：其电脑会先上传尚未同步的数据，然后删除本地副本。</translation>
    </message>
    <message>
        <source>Hand over a book of business</source>
        <translation>交接客户（离职交接）</translation>
    </message>
    <message>
        <source>Leaver</source>
        <translation>离职人员</translation>
    </message>
    <message>
        <source>Successor</source>
        <translation>接替人</translation>
    </message>
    <message>
        <source>All to successor</source>
        <translation>全部交给接替人</translation>
    </message>
    <message>
        <source>Selected to successor</source>
        <translation>所选交给接替人</translation>
    </message>
    <message>
        <source>This tier / team to successor</source>
        <translation>该等级/团队交给接替人</translation>
    </message>
    <message>
        <source>Keep selected</source>
        <translation>保留所选</translation>
    </message>
    <message>
        <source>Close the leaver&apos;s account afterwards</source>
        <translation>交接后关闭离职人员账号</translation>
    </message>
    <message>
        <source>Hand over</source>
        <translation>交接</translation>
    </message>
</context>
<context>
    <name>InheritedCustomersModel</name>
    <message>
        <source>never</source>
        <translation>从未</translation>
    </message>
    <message>
        <source>{0} · from {1} · last contact {2}</source>
        <translation>{0} · 来自 {1} · 最近联系 {2}</translation>
    </message>
</context>
<context>
    <name>InheritedView</name>
    <message>
        <source>Inherited customers</source>
        <translation>接手的客户</translation>
    </message>
    <message>
        <source>No customers were handed over to you.</source>
        <translation>没有交接给您的客户。</translation>
    </message>
    <message>
        <source>Open customer</source>
        <translation>打开客户</translation>
    </message>
    <message>
        <source>Mark as reviewed</source>
        <translation>标记为已查看</translation>
    </message>
</context>
<context>
    <name>LeaseLockWidget</name>
    <message>
        <source>Customer data is locked</source>
        <translation>客户数据已锁定</translation>
    </message>
    <message>
        <source>Sign in…</source>
        <translation>登录…</translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation>立即同步</translation>
    </message>
    <message>
        <source>Syncing…</source>
        <translation>正在同步…</translation>
    </message>
</context>
<context>
    <name>LogActivityDialog</name>
    <message>
        <source>Choose the customer from the list that appears as you type.</source>
        <translation>请从输入时出现的列表中选择客户。</translation>
    </message>
    <message>
        <source>Not saved: %1</source>
        <translation>未保存：%1</translation>
    </message>
    <message>
        <source>Visit</source>
        <translation>拜访</translation>
    </message>
    <message>
        <source>Call</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Meeting</source>
        <translation>会议</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>电子邮件</translation>
    </message>
    <message>
        <source>Note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Return visit</source>
        <translation>回访</translation>
    </message>
    <message>
        <source>Log activity</source>
        <translation>记录活动</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Next step</source>
        <translation>下一步</translation>
    </message>
    <message>
        <source>Type a name, in Chinese or pinyin</source>
        <translation>输入名称（中文或拼音）</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>到期</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>Enter the server address.</source>
        <translation>请输入服务器地址。</translation>
    </message>
    <message>
        <source>The server address must look like https://crm.example.com.</source>
        <translation>服务器地址应类似 https://crm.example.com。</translation>
    </message>
    <message>
        <source>Wrong user name or password.</source>
        <translation>用户名或密码错误。</translation>
    </message>
    <message>
        <source>Too many failed attempts. Wait 15 minutes, then try again.</source>
        <translation>失败次数过多。请等待 15 分钟后再试。</translation>
    </message>
    <message>
        <source>This version of Fieldbook is too old for the server. Install the update from your IT department; your unsynced changes are kept.</source>
        <translation>此版本的 Fieldbook 过旧，服务器已不再支持。请安装 IT 部门提供的更新；尚未同步的修改会保留。</translation>
    </message>
    <message>
        <source>This account has been closed. Ask your manager or administrator.</source>
        <translation>此账号已关闭。请联系您的主管或系统管理员。</translation>
    </message>
    <message>
        <source>The server %1 cannot be reached. Check the address and your network connection; you can keep working offline.</source>
        <translation>无法连接服务器 %1。请检查地址和网络连接；您可以继续离线工作。</translation>
    </message>
    <message>
        <source>The server had a problem. Try again in a few minutes.</source>
        <translation>服务器出现问题。请几分钟后再试。</translation>
    </message>
    <message>
        <source>Signing in failed: %1</source>
        <translation>登录失败：%1</translation>
    </message>
    <message>
        <source>Enter your user name.</source>
        <translation>请输入用户名。</translation>
    </message>
    <message>
        <source>Enter your password.</source>
        <translation>请输入密码。</translation>
    </message>
    <message>
        <source>Signing in…</source>
        <translation>正在登录…</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>Sign in to Fieldbook</source>
        <translation>登录 Fieldbook</translation>
    </message>
    <message>
        <source>Sign in with the account your firm gave you. You can work offline afterwards.</source>
        <translation>请使用公司分配给您的账号登录。登录后可离线工作。</translation>
    </message>
    <message>
        <source>Server:</source>
        <translation>服务器：</translation>
    </message>
    <message>
        <source>User name:</source>
        <translation>用户名：</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>密码：</translation>
    </message>
    <message>
        <source>Set by your IT department.</source>
        <translation>由 IT 部门设定。</translation>
    </message>
    <message>
        <source>Remember me on this computer</source>
        <translation>在此电脑上记住我</translation>
    </message>
    <message>
        <source>Your firm does not allow remembering the password: you will be asked each time.</source>
        <translation>公司不允许记住密码：每次都需要输入密码。</translation>
    </message>
    <message>
        <source>No keyring on this system: you will be asked for your password each time.</source>
        <translation>此系统没有密钥环：每次启动时都需要输入密码。</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Unsent changes</source>
        <translation>未发送的修改</translation>
    </message>
    <message numerus="yes">
        <source>%n change(s) have not reached the server yet. They are kept safely on this computer and will be sent the next time Fieldbook syncs.</source>
        <translation>
            <numerusform>%n 项修改尚未发送到服务器。它们已安全保存在此电脑上，将在 Fieldbook 下次同步时发送。</numerusform>
        </translation>
    </message>
    <message>
        <source>Sync, then quit</source>
        <translation>同步后退出</translation>
    </message>
    <message>
        <source>Quit now</source>
        <translation>立即退出</translation>
    </message>
    <message>
        <source>Customer added.</source>
        <translation>客户已添加。</translation>
    </message>
    <message>
        <source>Not signed in to a server: changes stay on this computer for now.</source>
        <translation>尚未登录服务器：修改暂时保存在此电脑上。</translation>
    </message>
    <message>
        <source>Activity saved.</source>
        <translation>活动已保存。</translation>
    </message>
    <message>
        <source>the server did not take every change</source>
        <translation>服务器未接受全部修改</translation>
    </message>
    <message>
        <source>Not everything could be sent (%1). Your changes are kept.</source>
        <translation>部分内容未能发送（%1）。您的修改已保留。</translation>
    </message>
    <message>
        <source>Something went wrong (%1): %2</source>
        <translation>出现问题（%1）：%2</translation>
    </message>
    <message>
        <source>Sending your changes, then quitting…</source>
        <translation>正在发送您的修改，然后退出…</translation>
    </message>
    <message>
        <source>Fieldbook</source>
        <translation>Fieldbook</translation>
    </message>
    <message>
        <source>My day</source>
        <translation>我的一天</translation>
    </message>
    <message>
        <source>Customers</source>
        <translation>客户</translation>
    </message>
    <message>
        <source>Pipeline</source>
        <translation>销售漏斗</translation>
    </message>
    <message>
        <source>Inbox</source>
        <translation>收件箱</translation>
    </message>
    <message>
        <source>Inherited</source>
        <translation>接手的客户</translation>
    </message>
    <message>
        <source>Hand-over</source>
        <translation>离职交接</translation>
    </message>
    <message>
        <source>Audit log</source>
        <translation>审计日志</translation>
    </message>
    <message>
        <source>Inherited customers</source>
        <translation>接手的客户</translation>
    </message>
    <message>
        <source>Hand over…</source>
        <translation>交接…</translation>
    </message>
    <message>
        <source>← Customers</source>
        <translation>← 客户</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Go</source>
        <translation>转到(&amp;G)</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
</context>
<context>
    <name>MyDayModel</name>
    <message>
        <source>High</source>
        <translation>高</translation>
    </message>
    <message>
        <source>Normal</source>
        <translation>普通</translation>
    </message>
    <message>
        <source>Low</source>
        <translation>低</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>到期</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <source>What</source>
        <translation>事项</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>优先级</translation>
    </message>
</context>
<context>
    <name>MyDayView</name>
    <message>
        <source>Nothing due today. A good day to call a customer.</source>
        <translation>今天没有到期事项。正好给客户打个电话。</translation>
    </message>
    <message>
        <source>%1 overdue, %2 due today, %3 visit(s) planned.</source>
        <translation>逾期 %1 项，今日到期 %2 项，计划拜访 %3 次。</translation>
    </message>
    <message>
        <source>Select a follow-up first.</source>
        <translation>请先选择一条待办。</translation>
    </message>
    <message>
        <source>Marked as done.</source>
        <translation>已标记为完成。</translation>
    </message>
    <message>
        <source>Could not update My day: %1</source>
        <translation>无法更新“我的一天”：%1</translation>
    </message>
    <message>
        <source>My day</source>
        <translation>我的一天</translation>
    </message>
    <message>
        <source>Mark done</source>
        <translation>标记完成</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Overdue</source>
        <translation>已逾期</translation>
    </message>
    <message>
        <source>Due today</source>
        <translation>今日到期</translation>
    </message>
    <message>
        <source>Planned visits</source>
        <translation>计划拜访</translation>
    </message>
</context>
<context>
    <name>NewCustomerDialog</name>
    <message>
        <source>Not saved: %1</source>
        <translation>未保存：%1</translation>
    </message>
    <message>
        <source>New customer</source>
        <translation>新建客户</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Industry</source>
        <translation>行业</translation>
    </message>
    <message>
        <source>Company</source>
        <translation>公司</translation>
    </message>
    <message>
        <source>Person</source>
        <translation>个人</translation>
    </message>
</context>
<context>
    <name>NotificationBanner</name>
    <message>
        <source>Dismiss</source>
        <translation>忽略</translation>
    </message>
</context>
<context>
    <name>OwnershipModel</name>
    <message>
        <source>When (UTC)</source>
        <translation>时间（UTC）</translation>
    </message>
    <message>
        <source>From</source>
        <translation>原客户经理</translation>
    </message>
    <message>
        <source>To</source>
        <translation>新客户经理</translation>
    </message>
    <message>
        <source>Changed by</source>
        <translation>修改人</translation>
    </message>
</context>
<context>
    <name>PipelineView</name>
    <message>
        <source>Could not keep this setting: %1</source>
        <translation>无法保存此设置：%1</translation>
    </message>
    <message>
        <source>%1 deal(s)</source>
        <translation>%1 个销售机会</translation>
    </message>
    <message>
        <source>weighted %1</source>
        <translation>加权 %1</translation>
    </message>
    <message>
        <source>Open customer</source>
        <translation>打开客户</translation>
    </message>
    <message>
        <source>Move to</source>
        <translation>移动到</translation>
    </message>
    <message>
        <source>Deal moved. Press Ctrl+Z to undo.</source>
        <translation>销售机会已移动。按 Ctrl+Z 撤销。</translation>
    </message>
    <message>
        <source>Nothing to undo.</source>
        <translation>没有可撤销的操作。</translation>
    </message>
    <message>
        <source>Move undone.</source>
        <translation>已撤销移动。</translation>
    </message>
    <message>
        <source>Could not update the board: %1</source>
        <translation>无法更新看板：%1</translation>
    </message>
    <message>
        <source>Pipeline</source>
        <translation>销售漏斗</translation>
    </message>
    <message>
        <source>Pipeline:</source>
        <translation>销售流程：</translation>
    </message>
    <message>
        <source>Only my deals</source>
        <translation>只看我的销售机会</translation>
    </message>
    <message>
        <source>Stale after (days):</source>
        <translation>停滞天数：</translation>
    </message>
    <message>
        <source>Open deals with no activity for this many days are marked as going stale.</source>
        <translation>超过此天数没有任何活动的进行中销售机会将标记为停滞。</translation>
    </message>
    <message>
        <source>Undo last move</source>
        <translation>撤销上次移动</translation>
    </message>
    <message>
        <source>Ctrl+Z</source>
        <translation>Ctrl+Z</translation>
    </message>
    <message>
        <source>No pipeline is set up yet. Your administrator defines the stages.</source>
        <translation>尚未设置销售流程。阶段由系统管理员定义。</translation>
    </message>
</context>
<context>
    <name>RefusedChangesModel</name>
    <message>
        <source>Record</source>
        <translation>记录</translation>
    </message>
    <message>
        <source>Refused change</source>
        <translation>被拒绝的修改</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
</context>
<context>
    <name>ReminderNotifier</name>
    <message numerus="yes">
        <source>%n follow-up(s) due</source>
        <translation>
            <numerusform>%n 项待办到期</numerusform>
        </translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>and %1 more</source>
        <translation>另有 %1 项</translation>
    </message>
</context>
<context>
    <name>SavingDialog</name>
    <message>
        <source>Not saved yet: the local data is busy with a long sync step (such as building the search index after the first sync). What you typed is still here: save again in a moment.</source>
        <translation>尚未保存：本地数据正忙于一个较长的同步步骤（例如首次同步后建立搜索索引）。您输入的内容仍在此处，请稍后再次保存。</translation>
    </message>
</context>
<context>
    <name>SearchPaletteDialog</name>
    <message numerus="yes">
        <source>%n result(s)</source>
        <translation>
            <numerusform>%n 个结果</numerusform>
        </translation>
    </message>
    <message>
        <source>Nothing found for “%1”.</source>
        <translation>未找到“%1”。</translation>
    </message>
    <message>
        <source>The search index is built when the first sync finishes: until then only names and phone numbers are matched.</source>
        <translation>搜索索引将在首次同步完成后建立：在此之前仅匹配名称和电话号码。</translation>
    </message>
    <message>
        <source>Search failed: %1</source>
        <translation>搜索失败：%1</translation>
    </message>
    <message>
        <source>Search</source>
        <translation>搜索</translation>
    </message>
    <message>
        <source>Search customers, contacts and notes (English, 中文 or pinyin)</source>
        <translation>搜索客户、联系人和备注（英文、中文或拼音）</translation>
    </message>
</context>
<context>
    <name>SearchResultsModel</name>
    <message>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>联系人</translation>
    </message>
    <message>
        <source>Activity</source>
        <translation>活动</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Longest time without syncing (days)</source>
        <translation>最长离线天数</translation>
    </message>
    <message>
        <source>Export allowed</source>
        <translation>允许导出</translation>
    </message>
    <message>
        <source>Most rows per export</source>
        <translation>单次导出最多行数</translation>
    </message>
    <message>
        <source>Days a closed account may still upload</source>
        <translation>关闭的账号仍可上传的天数</translation>
    </message>
    <message>
        <source>Remember the password</source>
        <translation>记住密码</translation>
    </message>
    <message>
        <source>Send crash reports to the firm</source>
        <translation>向公司发送崩溃报告</translation>
    </message>
    <message>
        <source>Lock after idle minutes (0: never)</source>
        <translation>空闲多少分钟后锁定（0：从不）</translation>
    </message>
    <message>
        <source>Server address</source>
        <translation>服务器地址</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <source>IT department</source>
        <translation>IT 部门</translation>
    </message>
    <message>
        <source>default</source>
        <translation>默认</translation>
    </message>
    <message>
        <source>you</source>
        <translation>您</translation>
    </message>
    <message>
        <source>server</source>
        <translation>服务器</translation>
    </message>
    <message>
        <source>Could not save the settings: %1</source>
        <translation>无法保存设置：%1</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Same as the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Language:</source>
        <translation>语言：</translation>
    </message>
    <message>
        <source>Sync every:</source>
        <translation>同步间隔：</translation>
    </message>
    <message>
        <source> min</source>
        <translation> 分钟</translation>
    </message>
    <message>
        <source>Server:</source>
        <translation>服务器：</translation>
    </message>
    <message>
        <source>Greyed-out settings are set by your IT department.</source>
        <translation>灰色的设置项由 IT 部门设定。</translation>
    </message>
    <message>
        <source>Your firm&apos;s policies</source>
        <translation>公司策略</translation>
    </message>
    <message>
        <source>Policy</source>
        <translation>策略</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>Set by</source>
        <translation>设定方</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>ShortcutHelpDialog</name>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <source>These keys work everywhere in the main window.</source>
        <translation>这些快捷键在主窗口的任何位置都可使用。</translation>
    </message>
    <message>
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <source>Keys</source>
        <translation>按键</translation>
    </message>
</context>
<context>
    <name>Shortcuts</name>
    <message>
        <source>Search customers</source>
        <translation>搜索客户</translation>
    </message>
    <message>
        <source>Log an activity</source>
        <translation>记录活动</translation>
    </message>
    <message>
        <source>New customer</source>
        <translation>新建客户</translation>
    </message>
    <message>
        <source>Show My day</source>
        <translation>显示“我的一天”</translation>
    </message>
    <message>
        <source>Show Customers</source>
        <translation>显示客户</translation>
    </message>
    <message>
        <source>Show Pipeline</source>
        <translation>显示销售漏斗</translation>
    </message>
    <message>
        <source>Show Sync inbox</source>
        <translation>显示同步收件箱</translation>
    </message>
    <message>
        <source>Undo the last stage move</source>
        <translation>撤销上次阶段移动</translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation>立即同步</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
</context>
<context>
    <name>StageCardsModel</name>
    <message>
        <source>No activity for a while</source>
        <translation>近期无跟进</translation>
    </message>
    <message>
        <source>Amount: %1</source>
        <translation>金额：%1</translation>
    </message>
    <message>
        <source>Probability: %1</source>
        <translation>成交概率：%1</translation>
    </message>
    <message>
        <source>Expected close: %1</source>
        <translation>预计成交：%1</translation>
    </message>
    <message>
        <source>Last activity: %1</source>
        <translation>最近活动：%1</translation>
    </message>
</context>
<context>
    <name>SyncInbox</name>
    <message>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <source>Contact</source>
        <translation>联系人</translation>
    </message>
    <message>
        <source>Activity</source>
        <translation>活动</translation>
    </message>
    <message>
        <source>Follow-up</source>
        <translation>待办</translation>
    </message>
    <message>
        <source>Opportunity</source>
        <translation>销售机会</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <source>You may no longer change this record.</source>
        <translation>您已无权修改此记录。</translation>
    </message>
    <message>
        <source>The record no longer exists.</source>
        <translation>该记录已不存在。</translation>
    </message>
    <message>
        <source>A value was not accepted.</source>
        <translation>有一个值未被接受。</translation>
    </message>
    <message>
        <source>Your account is frozen: only new activities are accepted.</source>
        <translation>您的账号已冻结：只接受新的活动记录。</translation>
    </message>
</context>
<context>
    <name>SyncInboxField</name>
    <message>
        <source>name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>industry</source>
        <translation>行业</translation>
    </message>
    <message>
        <source>address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>mobile</source>
        <translation>手机</translation>
    </message>
    <message>
        <source>email</source>
        <translation>电子邮件</translation>
    </message>
    <message>
        <source>website</source>
        <translation>网站</translation>
    </message>
    <message>
        <source>fax</source>
        <translation>传真</translation>
    </message>
    <message>
        <source>source</source>
        <translation>来源渠道</translation>
    </message>
    <message>
        <source>account manager</source>
        <translation>客户经理</translation>
    </message>
    <message>
        <source>team</source>
        <translation>团队</translation>
    </message>
    <message>
        <source>lifecycle stage</source>
        <translation>生命周期阶段</translation>
    </message>
    <message>
        <source>tier</source>
        <translation>客户等级</translation>
    </message>
    <message>
        <source>value label</source>
        <translation>价值标签</translation>
    </message>
    <message>
        <source>tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>credit notes</source>
        <translation>信用备注</translation>
    </message>
    <message>
        <source>title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>birthday</source>
        <translation>生日</translation>
    </message>
    <message>
        <source>role in purchase</source>
        <translation>采购角色</translation>
    </message>
    <message>
        <source>notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>due</source>
        <translation>到期时间</translation>
    </message>
    <message>
        <source>assignee</source>
        <translation>负责人</translation>
    </message>
    <message>
        <source>priority</source>
        <translation>优先级</translation>
    </message>
    <message>
        <source>done</source>
        <translation>已完成</translation>
    </message>
    <message>
        <source>amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>currency</source>
        <translation>币种</translation>
    </message>
    <message>
        <source>probability</source>
        <translation>成交概率</translation>
    </message>
    <message>
        <source>stage</source>
        <translation>阶段</translation>
    </message>
    <message>
        <source>expected close</source>
        <translation>预计成交日期</translation>
    </message>
    <message>
        <source>how to win</source>
        <translation>赢单策略</translation>
    </message>
    <message>
        <source>competitors</source>
        <translation>竞争对手</translation>
    </message>
    <message>
        <source>lost reason</source>
        <translation>丢单原因</translation>
    </message>
    <message>
        <source>status</source>
        <translation>状态</translation>
    </message>
</context>
<context>
    <name>SyncInboxView</name>
    <message>
        <source>This entry belongs to no customer on this computer.</source>
        <translation>此条目不属于此电脑上的任何客户。</translation>
    </message>
    <message>
        <source>Kept (on the server)</source>
        <translation>保留的值（服务器上）</translation>
    </message>
    <message>
        <source>Yours (lost)</source>
        <translation>您的值（被覆盖）</translation>
    </message>
    <message>
        <source>Now on the server</source>
        <translation>服务器上的当前值</translation>
    </message>
    <message>
        <source>Refused value</source>
        <translation>被拒绝的值</translation>
    </message>
    <message>
        <source>Field</source>
        <translation>字段</translation>
    </message>
    <message>
        <source>Select a conflict to re-apply your value.</source>
        <translation>请选择一条冲突以重新应用您的值。</translation>
    </message>
    <message>
        <source>Your value was applied again; it is sent with the next sync.</source>
        <translation>已重新应用您的值；将在下次同步时发送。</translation>
    </message>
    <message>
        <source>Select an entry first.</source>
        <translation>请先选择一条记录。</translation>
    </message>
    <message>
        <source>Dismissed.</source>
        <translation>已忽略。</translation>
    </message>
    <message>
        <source>Could not update the sync inbox: %1</source>
        <translation>无法更新同步收件箱：%1</translation>
    </message>
    <message>
        <source>Conflicts (%1)</source>
        <translation>冲突（%1）</translation>
    </message>
    <message>
        <source>Refused changes (%1)</source>
        <translation>被拒绝的修改（%1）</translation>
    </message>
    <message>
        <source>Sync inbox</source>
        <translation>同步收件箱</translation>
    </message>
    <message>
        <source>Changes of yours that another edit overwrote, and changes the server refused. Nothing is lost: compare, apply your value again, or dismiss.</source>
        <translation>被他人修改覆盖的您的修改，以及服务器拒绝的修改。数据不会丢失：您可以对比、重新应用您的值或忽略。</translation>
    </message>
    <message>
        <source>Re-apply my value</source>
        <translation>重新应用我的值</translation>
    </message>
    <message>
        <source>Dismiss</source>
        <translation>忽略</translation>
    </message>
</context>
<context>
    <name>SyncStatusWidget</name>
    <message>
        <source>Sign-in needed</source>
        <translation>需要登录</translation>
    </message>
    <message>
        <source>Update needed</source>
        <translation>需要更新</translation>
    </message>
    <message>
        <source>Syncing…</source>
        <translation>正在同步…</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message numerus="yes">
        <source>%n change(s) waiting</source>
        <translation>
            <numerusform>%n 项修改待发送</numerusform>
        </translation>
    </message>
    <message>
        <source>All changes sent</source>
        <translation>所有修改已发送</translation>
    </message>
    <message>
        <source>Last sync %1</source>
        <translation>上次同步 %1</translation>
    </message>
    <message>
        <source>Not signed in</source>
        <translation>未登录</translation>
    </message>
    <message>
        <source>Never synced</source>
        <translation>从未同步</translation>
    </message>
    <message numerus="yes">
        <source>%n to review</source>
        <translation>
            <numerusform>%n 项待查看</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>TimelineModel</name>
    <message>
        <source>(corrected by a later entry)</source>
        <translation>（已被后续记录更正）</translation>
    </message>
    <message>
        <source>Next step: %1</source>
        <translation>下一步：%1</translation>
    </message>
    <message>
        <source>The timeline could not be read: %1</source>
        <translation>无法读取跟踪记录：%1</translation>
    </message>
</context>
<context>
    <name>Validation</name>
    <message>
        <source>{label} is required.</source>
        <translation>{label}为必填项。</translation>
    </message>
    <message>
        <source>{label} is too long: at most {limit} characters (got {length}).</source>
        <translation>{label}过长：最多 {limit} 个字符（当前 {length} 个）。</translation>
    </message>
    <message>
        <source>{label} “{value}” is not a valid phone number. Examples: 138 0013 8000, 010-6552 9988, +44 20 7946 0958.</source>
        <translation>{label}“{value}”不是有效的电话号码。示例：138 0013 8000、010-6552 9988、+44 20 7946 0958。</translation>
    </message>
    <message>
        <source>{label} “{value}” is not a valid e-mail address: {reason}</source>
        <translation>{label}“{value}”不是有效的电子邮件地址：{reason}</translation>
    </message>
    <message>
        <source>{label} “{value}” is not a number.</source>
        <translation>{label}“{value}”不是数字。</translation>
    </message>
    <message>
        <source>{label} “{value}” is not a whole number.</source>
        <translation>{label}“{value}”不是整数。</translation>
    </message>
    <message>
        <source>{label} cannot be negative (got {value}).</source>
        <translation>{label}不能为负数（当前为 {value}）。</translation>
    </message>
    <message>
        <source>{label} must be between 0 and 100 (got {value}).</source>
        <translation>{label}必须在 0 到 100 之间（当前为 {value}）。</translation>
    </message>
    <message>
        <source>{label} “{value}” is not allowed; choose one of: {choices}.</source>
        <translation>{label}不允许为“{value}”；请从以下选项中选择：{choices}。</translation>
    </message>
    <message>
        <source>{label} “{value}” is not a date; write it as YYYY-MM-DD, e.g. 2026-11-23.</source>
        <translation>{label}“{value}”不是日期；请按 YYYY-MM-DD 格式填写，例如 2026-11-23。</translation>
    </message>
    <message>
        <source>{label} “{value}” is not a date and time; write it as YYYY-MM-DD HH:MM, e.g. 2026-11-23 09:30.</source>
        <translation>{label}“{value}”不是日期时间；请按 YYYY-MM-DD HH:MM 格式填写，例如 2026-11-23 09:30。</translation>
    </message>
    <message>
        <source>{label} “{value}” is not a currency code; use three letters, e.g. CNY.</source>
        <translation>{label}“{value}”不是币种代码；请使用三个字母，例如 CNY。</translation>
    </message>
    <message>
        <source>{label} “{value}” is not yes or no.</source>
        <translation>{label}“{value}”不是“是”或“否”。</translation>
    </message>
    <message>
        <source>There is no field called “{value}”.</source>
        <translation>没有名为“{value}”的字段。</translation>
    </message>
    <message>
        <source>{label}: there is no {entity} with id “{value}” in this replica.</source>
        <translation>{label}：本地数据中没有 id 为“{value}”的 {entity}。</translation>
    </message>
    <message>
        <source>{label}: the {entity} “{value}” is archived; restore it first.</source>
        <translation>{label}：{entity}“{value}”已归档；请先恢复。</translation>
    </message>
    <message>
        <source>{label} “{value}” is not one of the firm&apos;s values: {choices}.</source>
        <translation>{label}“{value}”不在公司设定的选项中：{choices}。</translation>
    </message>
    <message>
        <source>{label} cannot be changed by an amendment; log a new entry instead.</source>
        <translation>{label}不能通过更正修改；请新记录一条。</translation>
    </message>
    <message>
        <source>{label} is required when a due date is given.</source>
        <translation>填写到期时间时，{label}为必填项。</translation>
    </message>
    <message>
        <source>{label}: stage “{value}” belongs to another pipeline.</source>
        <translation>{label}：阶段“{value}”属于另一个销售流程。</translation>
    </message>
    <message>
        <source>{label}: “{value}” names stages in several pipelines; give the stage id.</source>
        <translation>{label}：“{value}”对应多个销售流程中的阶段；请填写阶段 id。</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Account type</source>
        <translation>账户类型</translation>
    </message>
    <message>
        <source>Industry</source>
        <translation>行业</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>电话</translation>
    </message>
    <message>
        <source>Mobile</source>
        <translation>手机</translation>
    </message>
    <message>
        <source>Fax</source>
        <translation>传真</translation>
    </message>
    <message>
        <source>E-mail</source>
        <translation>电子邮件</translation>
    </message>
    <message>
        <source>Website</source>
        <translation>网站</translation>
    </message>
    <message>
        <source>Source</source>
        <translation>来源渠道</translation>
    </message>
    <message>
        <source>Owner</source>
        <translation>客户经理</translation>
    </message>
    <message>
        <source>Team</source>
        <translation>团队</translation>
    </message>
    <message>
        <source>Lifecycle stage</source>
        <translation>生命周期阶段</translation>
    </message>
    <message>
        <source>Tier</source>
        <translation>客户等级</translation>
    </message>
    <message>
        <source>Value label</source>
        <translation>价值标签</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>Credit notes</source>
        <translation>信用备注</translation>
    </message>
    <message>
        <source>Customer</source>
        <translation>客户</translation>
    </message>
    <message>
        <source>Title</source>
        <translation>标题</translation>
    </message>
    <message>
        <source>Birthday</source>
        <translation>生日</translation>
    </message>
    <message>
        <source>Buying role</source>
        <translation>采购角色</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Date and time</source>
        <translation>日期时间</translation>
    </message>
    <message>
        <source>Duration (minutes)</source>
        <translation>时长（分钟）</translation>
    </message>
    <message>
        <source>Place</source>
        <translation>地点</translation>
    </message>
    <message>
        <source>Subject</source>
        <translation>主题</translation>
    </message>
    <message>
        <source>Outcome</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Next step</source>
        <translation>下一步</translation>
    </message>
    <message>
        <source>Done by</source>
        <translation>执行人</translation>
    </message>
    <message>
        <source>Recorded by</source>
        <translation>记录人</translation>
    </message>
    <message>
        <source>Due</source>
        <translation>到期</translation>
    </message>
    <message>
        <source>Assignee</source>
        <translation>负责人</translation>
    </message>
    <message>
        <source>Priority</source>
        <translation>优先级</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>Currency</source>
        <translation>币种</translation>
    </message>
    <message>
        <source>Probability (%)</source>
        <translation>成交概率（%）</translation>
    </message>
    <message>
        <source>Stage</source>
        <translation>阶段</translation>
    </message>
    <message>
        <source>Pipeline</source>
        <translation>销售漏斗</translation>
    </message>
    <message>
        <source>Expected close</source>
        <translation>预计成交</translation>
    </message>
    <message>
        <source>How to win</source>
        <translation>赢单策略</translation>
    </message>
    <message>
        <source>Competitors</source>
        <translation>竞争对手</translation>
    </message>
    <message>
        <source>Lost reason</source>
        <translation>丢单原因</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
</context>
</TS>
